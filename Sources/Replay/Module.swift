// Replay — work in progress; see README.
