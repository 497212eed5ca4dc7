"""The account as a whole: its document, settings, export, deletion, status, directory."""
