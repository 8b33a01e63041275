"""`python -m intriguing COMMAND ...`: the console script, also what torchrun starts (`-m intriguing`)."""

from intriguing.cli.main import main

raise SystemExit(main())
