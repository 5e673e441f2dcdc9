-- 003_vote_counts.sql - how many may vote and how many have voted, per
-- vote, kept up to date by the writes that change them: the opening,
-- remote voters added while open, a voter's first ballot (a change of
-- ballot leaves it). A ballot then reads and writes this one row instead
-- of counting every voter and every ballot of the vote: its cost no longer
-- grows with the size of the assembly. A table of its own, apart from
-- votes: every ballot holds its vote's row FOR SHARE, which an update of
-- that row would wait for. It holds no person and no choice.
CREATE TABLE vote_counts (
    vote_id   uuid PRIMARY KEY REFERENCES votes (id) ON DELETE CASCADE,
    eligible  int NOT NULL,               -- rows of voters
    voted     int NOT NULL DEFAULT 0      -- named: rows of ballots; secret: of participation
);

INSERT INTO vote_counts (vote_id, eligible, voted)
SELECT v.id, (SELECT count (*) FROM voters e WHERE e.vote_id = v.id),
       CASE WHEN v.secret THEN (SELECT count (*) FROM participation p WHERE p.vote_id = v.id)
            ELSE (SELECT count (*) FROM ballots b WHERE b.vote_id = v.id) END
  FROM votes v WHERE v.status <> 'draft';
