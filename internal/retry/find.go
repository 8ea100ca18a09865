package retry

import "fmt"

// TooManyResultsError says a lookup that names one object found several.
type TooManyResultsError struct {
	What  string
	Count int
}

func (e *TooManyResultsError) Error() string {
	return fmt.Sprintf("%s: %d results, want 1", e.What, e.Count)
}

// NewEmptyResultError is the NotFoundError of a call that succeeded but
// returned nothing for what it was asked.
func NewEmptyResultError(what string) *NotFoundError {
	return &NotFoundError{Message: what + " not found (empty result)"}
}

// SingleResult is the one object of a lookup's result: none is an
// empty-result NotFoundError, more than one a TooManyResultsError. what names
// the object for the errors ("EC2 VPC (vpc-1)").
func SingleResult[T any](items []T, what string) (*T, error) {
	switch len(items) {
	case 0:
		return nil, NewEmptyResultError(what)
	case 1:
		return &items[0], nil
	}
	return nil, &TooManyResultsError{What: what, Count: len(items)}
}
