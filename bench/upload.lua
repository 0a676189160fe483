-- wrk script: POST /v1/documents/{id}/pages with the photo in PHOTO as a multipart upload, as the
-- teacher whose token is in TOKEN, into the draft documents listed in DOCS_FILE (one id a line,
-- taken in turn). Each thread writes the id of every page acknowledged with 201 to
-- IDS_DIR/<thread>, to be counted back; done() prints "created N other M".
local docs = {}
for line in io.lines(os.getenv("DOCS_FILE")) do
    docs[#docs + 1] = line
end
local file = assert(io.open(os.getenv("PHOTO"), "rb"))
local photo = file:read("*a")
file:close()
local boundary = "tingke-bench-boundary-7d9f"
local body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="file"; filename="page.jpg"\r\n'
    .. "Content-Type: image/jpeg\r\n\r\n"
    .. photo .. "\r\n--" .. boundary .. "--\r\n"
local headers = {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary,
}

local threads = {}
local counter = 0
function setup(thread)
    counter = counter + 1
    thread:set("name", tostring(counter))
    threads[#threads + 1] = thread
end

function init(args)
    created, other = 0, 0
    i = math.random(#docs)
    ids = assert(io.open(os.getenv("IDS_DIR") .. "/" .. name, "a"))
end

function request()
    i = i % #docs + 1
    return wrk.format("POST", "/v1/documents/" .. docs[i] .. "/pages", headers, body)
end

function response(status, headers, answer)
    if status == 201 then
        created = created + 1
        ids:write(string.match(answer, '"id":"([^"]+)"'), "\n")
        ids:flush()
    else
        other = other + 1
    end
end

function done(summary, latency, requests)
    local c, o = 0, 0
    for _, t in ipairs(threads) do
        c = c + t:get("created")
        o = o + t:get("other")
    end
    io.write(string.format("created %d other %d\n", c, o))
end
