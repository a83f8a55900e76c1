# English for a company in Moscow: day before month, 24-hour clock (not Django's US
# defaults). The chat's times and day headings come from these same formats
# (chat.serializers), so a page shows one style.
DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
