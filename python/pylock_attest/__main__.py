"""`python -m pylock_attest ...`: the same as the `pylock-attest` command."""

from pylock_attest import main

raise SystemExit(main())
