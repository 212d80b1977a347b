import sys

from letterpress.cli import main

sys.exit(main())
