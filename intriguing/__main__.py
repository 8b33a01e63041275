import sys
from intriguing.cli.main import main
raise SystemExit(main())
