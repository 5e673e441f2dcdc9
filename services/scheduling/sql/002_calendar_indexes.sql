-- 002_calendar_indexes.sql - indexes for calendars and conflict checks at
-- the size of a province (100,000 meetings, 1,000,000 invitations).
--
-- A period query ("meetings overlapping this week") cannot use a b-tree on
-- start_at for its lower bound: a meeting that started last week may still
-- run. A GiST index on the meeting's time range answers overlap (&&)
-- directly; the calendars and the conflict check ask for
-- tstzrange (start_at, end_at) && tstzrange (from, to).
CREATE INDEX meetings_period ON meetings USING gist (tstzrange (start_at, end_at));

-- A meeting's invitees are read on every view of a meeting: by meeting.
CREATE INDEX participants_meeting ON participants (meeting_id, position);

-- "Meetings I am invited to" reads only the index (user, meeting).
DROP INDEX participants_user_meetings;
CREATE INDEX participants_user_meetings ON participants (user_id, meeting_id) WHERE kind = 'user';
DROP INDEX participants_substitutes;
CREATE INDEX participants_substitutes ON participants (substitute_user_id, meeting_id)
    WHERE substitute_user_id IS NOT NULL;
