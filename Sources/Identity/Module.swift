// Identity — work in progress; see README.
