"""Date formats per language for the public pages (``settings.FORMAT_MODULE_PATH``).

The pages write dates with ``DATE_FORMAT``. Swedish and Finnish use Django's own formats
("2 september 2024", "2. syyskuuta 2024"); English keeps the day-first form the pages always
had, and Meänkieli, which Django has no formats for, is written as Finnish is.
"""
