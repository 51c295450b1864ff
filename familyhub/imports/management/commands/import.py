"""`familyhub import ...`: the same command as `import_data` (a module named `import` cannot be
imported with the import statement, but Django loads commands by name, so both work)."""

from familyhub.imports.management.commands.import_data import Command  # noqa: F401
