"""How the model's figures are written and drawn, without Textual widgets.

Data flows one way: source -> hub -> feed -> model -> **present** -> widgets. The model
(``ringmon.model``) holds the rules (merge, missed, in-status, statistics) and imports nothing
from here; the widgets and screens draw what this package lays out. Rich ``Text`` and ``Style``
are fine here; Textual widgets are not.

- ``durations``: the one duration format and its rounding rule (truncate to the second);
- ``clock``: clock times, and a timeline's stretch as R14 writes it;
- ``glyphs``: the glyph and word of each status (never colour alone);
- ``status_style``: each status's colour, in one place;
- ``row_text``: a board row's user-agents cell and device detail;
- ``call_row``: a call of the call log as a table row;
- ``caller_id``: who a call in progress is with (arrow, number masked or not, name);
- ``chart``: the profile's chart geometry (columns, hour axis, cursor, bars);
- ``words``: counted nouns, day labels, items flowing over lines.
"""
