import sys

from zeroseg.cli.main import main

sys.exit(main())
