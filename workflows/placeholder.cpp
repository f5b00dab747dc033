// Replaced as workflows land.
