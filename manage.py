#!/usr/bin/env python
from kund.__main__ import main

if __name__ == "__main__":
    main()
