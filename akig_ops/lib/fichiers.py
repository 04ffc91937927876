"""Files that must reach the disk before they count (backups, archives)."""
import os
from pathlib import Path


def fsync(chemin: Path) -> None:
    """Flush the file or directory `chemin` to the disk (a directory: the names it holds)."""
    descripteur = os.open(chemin, os.O_RDONLY)
    try:
        os.fsync(descripteur)
    finally:
        os.close(descripteur)
