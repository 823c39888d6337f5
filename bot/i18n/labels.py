"""Names shown for stored codes (topics, countries, profile answers), marked for translation."""

from __future__ import annotations

from bot.i18n.translator import N_

TOPIC_NAMES = {
    "eu_integration": N_("EU integration and accession"),
    "security": N_("Security"),
    "digital_literacy": N_("Digital literacy"),
}

COUNTRY_NAMES = {
    "AL": N_("Albania"),
    "BA": N_("Bosnia and Herzegovina"),
    "XK": N_("Kosovo"),
    "ME": N_("Montenegro"),
    "MK": N_("North Macedonia"),
    "RS": N_("Serbia"),
    "other": N_("Another country"),
}

GENDER_NAMES = {
    "female": N_("Woman"),
    "male": N_("Man"),
    "other": N_("Other"),
}

AGE_BAND_NAMES = {
    "under-18": N_("Under 18"),
    "18-24": "18–24",
    "25-34": "25–34",
    "35-44": "35–44",
    "45-54": "45–54",
    "55-64": "55–64",
    "65-plus": N_("65 or older"),
}
TRANSLATED_AGE_BANDS = {"under-18", "65-plus"}

VULNERABLE_GROUP_NAMES = {
    "disability": N_("Person with a disability"),
    "roma-egyptian-ashkali": N_("Roma, Egyptian or Ashkali"),
    "other-minority": N_("Another minority"),
    "none": N_("None of these"),
}

PREFER_NOT_TO_SAY = N_("Prefer not to say")

# Attendance: the stored statuses (bot.models.AttendanceStatus) and the registration states
# shown where nobody marked the person yet.
ATTENDANCE_STATUS_NAMES = {
    "present": N_("Present"),
    "late": N_("Late"),
    "excused": N_("Excused"),
    "absent": N_("Absent"),
}
ATTENDANCE_STATUS_WORDS = {
    "present": N_("present"),
    "late": N_("late"),
    "excused": N_("excused"),
    "absent": N_("absent"),
}
"""The same, in the middle of a sentence."""
ATTENDANCE_STATUS_MARKS = {"present": "✅", "late": "🕒", "excused": "📝", "absent": "❌"}
NOT_MARKED = N_("Not marked")
APOLOGISED = N_("Apologised")
APOLOGISED_MARK = "🙏"
NOT_MARKED_MARK = "▫️"
