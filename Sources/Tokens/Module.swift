// Tokens — work in progress; see README.
