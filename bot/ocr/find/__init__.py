"""Line finding: where the written lines are, and in which order they are read."""
