"""Running the reading job: threads, spawned processes, or a queue of worker machines."""
