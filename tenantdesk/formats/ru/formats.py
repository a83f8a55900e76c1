# Russian, 24-hour clock; "E" is the month in the genitive ("27 ноября 2026"). The chat's
# times and day headings come from these same formats (chat.serializers).
DATE_FORMAT = "j E Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y, H:i"
