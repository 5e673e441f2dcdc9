-- load_documents.sql - benchmark data for document search: 10,000
-- documents with their extracted text (about 200 words each, Vietnamese
-- with diacritics): 9,000 on 1,000 meetings of the documents projection and
-- 1,000 in the shared library (document n is on meeting n % 1000 when
-- n < 9000). The person :'me' is invited to the meetings whose number ends
-- in 3, so the access rules narrow every search; the texts of the documents
-- whose number is a multiple of 13 speak of "phòng họp không giấy". The words are picked by a fixed formula, so every
-- run searches the same data.
-- Variables: me (user id), unit (an agency id), node (node id).
SET search_path = documents, public;
SET synchronous_commit = off;

CREATE TEMP TABLE bench_meetings AS
SELECT g AS n, gen_random_uuid () AS id FROM generate_series (0, 999) g;

INSERT INTO meetings (id, node_id, title, status, start_at, end_at, host_unit_id, created_by,
                      chair_id, secretary_id, approver_id, published)
SELECT id, :'node', 'Họp chuyên đề số ' || n, 'approved',
       now () + n * interval '1 day', now () + n * interval '1 day' + interval '2 hours',
       gen_random_uuid (), gen_random_uuid (), gen_random_uuid (), gen_random_uuid (),
       gen_random_uuid (), true
  FROM bench_meetings;

INSERT INTO participants (id, meeting_id, kind, user_id, unit_id, node_id, invited_at)
SELECT gen_random_uuid (), b.id, 'user',
       CASE WHEN k = 1 AND b.n % 10 = 3 THEN :'me'::uuid ELSE gen_random_uuid () END,
       :'unit', :'node', now () - interval '1 day'
  FROM bench_meetings b, generate_series (1, 10) k;

CREATE TEMP TABLE bench_documents AS
SELECT g AS n, gen_random_uuid () AS id,
       (SELECT id FROM bench_meetings WHERE n = g % 1000) AS meeting_id
  FROM generate_series (0, 9999) g;
UPDATE bench_documents SET meeting_id = NULL WHERE n >= 9000;

INSERT INTO documents (id, meeting_id, library, title, original_name, file_type, mime_type, size,
                       sha256, pages, status, classification, uploaded_by, uploader_unit_id,
                       approved_at, reviewed_at, created_at)
SELECT id, meeting_id, CASE WHEN meeting_id IS NULL THEN 'shared' END,
       (ARRAY['Báo cáo', 'Tờ trình', 'Dự thảo nghị quyết', 'Kế hoạch', 'Công văn'])[1 + n % 5]
         || ' số ' || n, 'tai-lieu-' || n || '.pdf', 'pdf', 'application/pdf', 100000 + n,
       encode (sha256 (n::text::bytea), 'hex'), 1 + n % 40, 'approved', 'normal',
       gen_random_uuid (), :'unit', now (), now (), now () - n * interval '1 minute'
  FROM bench_documents;

INSERT INTO library_entries (document_id, kind, owner_id, added_by)
SELECT id, 'shared', NULL, gen_random_uuid () FROM bench_documents WHERE meeting_id IS NULL;

WITH words (w) AS (
    SELECT ARRAY['báo', 'cáo', 'kết', 'quả', 'thực', 'hiện', 'nhiệm', 'vụ', 'phát', 'triển',
                 'kinh', 'tế', 'xã', 'hội', 'năm', 'tỉnh', 'huyện', 'ủy', 'ban', 'nhân', 'dân',
                 'chuyển', 'đổi', 'số', 'cải', 'cách', 'hành', 'chính', 'đầu', 'tư', 'công',
                 'ngân', 'sách', 'dự', 'toán', 'quyết', 'định', 'nghị', 'quyết', 'tờ', 'trình',
                 'giáo', 'dục', 'y', 'tế', 'giao', 'thông', 'nông', 'nghiệp', 'môi', 'trường',
                 'đất', 'đai', 'xây', 'dựng', 'quy', 'hoạch', 'thương', 'mại', 'du', 'lịch',
                 'văn', 'hóa', 'an', 'ninh', 'quốc', 'phòng', 'tài', 'chính', 'kế', 'hoạch',
                 'tiến', 'độ', 'giải', 'ngân', 'vốn', 'chương', 'trình', 'mục', 'tiêu'])
INSERT INTO document_text (document_id, title, body)
SELECT d.id, doc.title,
       CASE WHEN d.n % 13 = 0 THEN 'Triển khai phòng họp không giấy. ' ELSE '' END
         || (SELECT string_agg (w[1 + floor (array_length (w, 1)
                                      * ((abs (hashtext (d.n || ':' || k)) % 1000000) / 1e6) ^ 2)::int], ' ')
               FROM words, generate_series (1, 200) k)
  FROM bench_documents d JOIN documents doc ON doc.id = d.id;

VACUUM ANALYZE meetings;
VACUUM ANALYZE participants;
VACUUM ANALYZE documents;
VACUUM ANALYZE document_text;
VACUUM ANALYZE library_entries;
