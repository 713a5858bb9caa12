formula .xlsx
