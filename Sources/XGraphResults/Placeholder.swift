enum ResultsPlaceholder {}
