"""Allow ``python -m hccrt``."""

from hccrt.cli.app import main

if __name__ == "__main__":
    main()
