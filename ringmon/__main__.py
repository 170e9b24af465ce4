import sys

from ringmon.cli import main

sys.exit(main())
