"""One router per resource; each route declares its action of the access table with guard()."""
