// DecisionServer — work in progress; see README.
