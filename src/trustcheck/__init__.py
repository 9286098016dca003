"""trustcheck: does this e-mail or SMS really come from the brand it claims?"""

__version__ = "0.1.0.dev0"
