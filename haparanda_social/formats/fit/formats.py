DATE_FORMAT = "j. E Y"  # as Finnish: 2. syyskuuta 2024 (E: the month in the genitive)
