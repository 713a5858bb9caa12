liar .xlsx
