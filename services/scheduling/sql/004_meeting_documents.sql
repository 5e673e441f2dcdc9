-- 004_meeting_documents.sql - the documents of each meeting as the
-- documents service's events tell them (document.uploaded, .approved,
-- .rejected, .purged): what Meeting.documents counts (R5.5, R10.1) and what
-- the documents lead-time rule is checked against (R3.4). Nothing of the
-- document itself beyond its page count: titles stay with the documents
-- service (secret ones never leave it).
CREATE TABLE meeting_documents (
    document_id      uuid PRIMARY KEY,
    meeting_id       uuid NOT NULL REFERENCES meetings (id),
    pages            integer CHECK (pages >= 1),          -- NULL: unknown (or secret)
    status           text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'purged')),
    uploaded_at      timestamptz NOT NULL,
    source_sequence  bigint NOT NULL DEFAULT 0,           -- newer events win
    updated_at       timestamptz NOT NULL DEFAULT now ()
);
CREATE INDEX meeting_documents_meeting ON meeting_documents (meeting_id)
    WHERE status IN ('pending', 'approved');

-- A late document is recorded once, whatever replays the event.
ALTER TABLE violations ADD COLUMN document_id uuid;
CREATE UNIQUE INDEX violations_document ON violations (document_id) WHERE document_id IS NOT NULL;
