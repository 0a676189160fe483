DROP TABLE reviews;
DROP TABLE pages;
DROP TABLE documents;
