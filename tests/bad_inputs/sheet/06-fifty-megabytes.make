huge .csv
