// DecisionClient — work in progress; see README.
