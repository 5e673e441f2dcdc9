-- search.lua - wrk script: document searches (GET /api/v1/documents?q=)
-- written without diacritics, as people type them, taking turns over a few
-- queries of different reach: a phrase in one text in ten, words in most
-- texts, a title word, and a rare pair.
local queries = {
  "hop+khong+giay",
  "chuyen+doi+so",
  "bao+cao",
  "ngan+sach+du+toan",
  "quy+hoach+giao+thong",
  "to+trinh",
}
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/documents?q=" .. queries[counter % #queries + 1])
end
