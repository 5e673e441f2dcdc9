-- 004_invitee_lookup.sql - whether a person is invited to a meeting, the
-- question every ballot asks of its vote's meeting, in one probe of
-- (meeting, person). With an index on each column alone, PostgreSQL ANDed
-- the bitmaps of the meeting's invitees (hundreds in a council session)
-- and the person's invitations: the most costly step of a ballot in the
-- vote storm, and one that grew with the size of the assembly. The new
-- index serves lookups by meeting alone as well.
CREATE INDEX invitees_meeting_user ON invitees (meeting_id, user_id);
DROP INDEX invitees_meeting;
