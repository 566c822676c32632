"""Assessment pages (考核测评). Thin: parse, authorize through the selectors, call a service, render.

A refused or invalid post shows the page again with what was typed still in the form (status 400) and the
reason next to the field; a successful one redirects with a message. The scoring page posts one leaf at a
time with htmx: the leaf's card is swapped on success, and on an error only the error lines are filled in,
so the value, the note and the chosen files all stay where they were.
"""
from .cards import *  # noqa: F401,F403
from .downloads import *  # noqa: F401,F403
from .rounds import *  # noqa: F401,F403
from .schemes import *  # noqa: F401,F403
from .scoring import *  # noqa: F401,F403
