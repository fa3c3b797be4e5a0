"""`keep <pod> 2h|until 18:00|forever`, `keep list`, `keep cancel <pod>`."""

from __future__ import annotations

from bot import commands as c
from bot.dispatch import Caller, Handler
from bot.verbs import Verbs, actor, on
from podwarden.adapters.slack import render_people
from podwarden.adapters.slack.reply import Reply


def keep_handlers(v: Verbs) -> dict[type[c.Command], Handler]:
    def keep(cmd: c.Keep, caller: Caller) -> Reply:
        return render_people.kept(v.keeps.keep(actor(caller), cmd.pod, cmd.until, forever=cmd.forever))

    def keep_list(cmd: c.KeepList, caller: Caller) -> Reply:
        return render_people.keep_list(v.keeps.list())

    def keep_cancel(cmd: c.KeepCancel, caller: Caller) -> Reply:
        pod = v.pods.find(cmd.pod)
        v.keeps.cancel(actor(caller), pod.id)
        return render_people.keep_cancelled(pod.name)

    return dict([on(c.Keep, keep), on(c.KeepList, keep_list), on(c.KeepCancel, keep_cancel)])
