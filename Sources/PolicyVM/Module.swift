// PolicyVM — work in progress; see README.
