-- load_calendar.sql - benchmark data for the week calendar: 100,000
-- meetings spread evenly over two years around today (about 960 a week)
-- and 1,000,000 invitations (ten per meeting). The person :'me' chairs 1 %
-- of the meetings and is invited to 3 % (about 30 a week, a busy leader);
-- the other invitees are people of other agencies.
-- Variables: me (user id), unit (an agency id), node (node id).
SET search_path = scheduling, public;
SET synchronous_commit = off;

CREATE TEMP TABLE bench_meetings AS
SELECT g AS n, gen_random_uuid () AS id,
       date_trunc ('week', now ()) - interval '52 weeks'
         + (g % 104) * interval '1 week' + ((g / 104) % 5) * interval '1 day'
         + (7 + (g / 520) % 9) * interval '1 hour' AS start_at
  FROM generate_series (1, 100000) g;

INSERT INTO meetings (id, node_id, title, content, start_at, end_at, form, type, chair_id,
                      secretary_id, approver_id, host_unit_id, created_by, status, published_at,
                      submitted_at, approved_at)
SELECT b.id, :'node', 'Họp giao ban chuyên đề số ' || b.n,
       'Nội dung: báo cáo tiến độ và thảo luận, phiên ' || b.n,
       b.start_at, b.start_at + interval '2 hours', 'in_person',
       (ARRAY['regular', 'urgent', 'emergency'])[1 + b.n % 3],
       CASE WHEN b.n % 100 = 0 THEN :'me'::uuid ELSE gen_random_uuid () END,
       gen_random_uuid (), gen_random_uuid (), :'unit', gen_random_uuid (),
       CASE WHEN b.start_at < now () THEN 'ended' ELSE 'approved' END,
       b.start_at - interval '5 days', b.start_at - interval '6 days',
       b.start_at - interval '5 days'
  FROM bench_meetings b;

INSERT INTO participants (id, meeting_id, kind, user_id, unit_id, node_id, invited_at, position)
SELECT gen_random_uuid (), b.id, 'user',
       CASE WHEN k = 1 AND b.n % 33 = 0 THEN :'me'::uuid ELSE gen_random_uuid () END,
       :'unit', :'node', b.start_at - interval '5 days', k
  FROM bench_meetings b, generate_series (1, 10) k;

VACUUM ANALYZE meetings;
VACUUM ANALYZE participants;
