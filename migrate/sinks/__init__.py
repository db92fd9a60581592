"""Writers: the import workbook, the rejects workbook, and report files. The only place files are written."""
