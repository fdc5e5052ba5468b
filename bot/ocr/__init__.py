"""Recognition, no Telegram: readers/, find/ (line finding), decide/, job/ (the reading job),
run/ (threads, processes, the Redis queue), engines.py (which, chosen once)."""
