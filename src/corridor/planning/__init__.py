"""planning layer of corridor."""

#: The longest search a plan may be given (seconds): a week; Ctrl-C stops one sooner.
MAX_TIME_LIMIT = 7 * 24 * 3600
