DATE_FORMAT = "j F Y"  # 2 September 2024, as the public pages have always written it
