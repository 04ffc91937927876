"""What a long-lived web process does once it has loaded the application."""
import gc


def geler_le_demarrage() -> None:
    """Take what the process has loaded so far out of the garbage collector's full passes.

    Django, the apps and their modules are some 100,000 objects that live as long as the
    process; every full collection walked them all, a 55–65 ms pause every few dozen
    requests on the large profile's uncached pages (measured with gc.callbacks), against
    about 5 ms once they are frozen. The garbage of start-up is collected first, so none
    of it is kept for ever. Called at the end of akig_ops/wsgi.py (each gunicorn worker
    imports it) and by `manage.py bench` before it times the pages, as a web process would.
    """
    gc.collect()
    gc.freeze()
