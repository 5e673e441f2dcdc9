-- 002_poll_access.sql - documents sent with an opinion poll (R7.1): the
-- voting service's poll.sent names the poll's documents and its
-- respondents, and each respondent may read each of them (normal and
-- approved only: docs_may_view). Kept after the poll closes and is
-- archived (R7.4: the poll stays readable with its documents).
CREATE TABLE poll_access (
    document_id  uuid NOT NULL,
    user_id      uuid NOT NULL,
    poll_id      uuid NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT now (),
    PRIMARY KEY (document_id, user_id, poll_id)
);
CREATE INDEX poll_access_poll ON poll_access (poll_id);
