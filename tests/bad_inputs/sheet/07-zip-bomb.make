bomb .xlsx
