"""`python -m podwarden` is `podwarden`."""

from podwarden.cli import main

raise SystemExit(main())
