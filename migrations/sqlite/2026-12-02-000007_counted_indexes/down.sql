DROP INDEX observations_counted_given;
DROP INDEX observations_counted_made;
