-- 003_invitation_opened.sql - when an invited person first opened the
-- meeting (R4.5: the access report says who opened the invitation).
ALTER TABLE participants ADD COLUMN opened_at timestamptz;
