//! Error titles in Chinese and English, and the per-request context (language, request id)
//! that error rendering reads.

/// The language of titles in error responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// Picks the language from an `Accept-Language` header: English when it is preferred over
    /// Chinese, Chinese (the default) otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Zh;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("en") {
                Lang::En
            } else if tag.starts_with("zh") || tag == "*" {
                Lang::Zh
            } else {
                continue;
            };
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Zh)
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// What error rendering needs to know about the request being answered.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub lang: Lang,
    pub request_id: String,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// Runs `fut` with `context` visible to `current()`.
pub async fn scope<F: std::future::Future>(context: RequestContext, fut: F) -> F::Output {
    CONTEXT.scope(context, fut).await
}

/// The context of the request being handled, if any.
pub fn current() -> Option<RequestContext> {
    CONTEXT.try_with(|c| c.clone()).ok()
}

/// Every stable error code with its titles: (code, zh-CN, en).
pub const CODES: &[(&str, &str, &str)] = &[
    (
        "malformed_json",
        "请求体不是有效的 JSON",
        "The request body is not valid JSON",
    ),
    ("wrong_type", "字段类型错误", "A field has the wrong type"),
    (
        "duplicate_field",
        "同一字段出现了两次",
        "A field is given twice",
    ),
    (
        "missing_field",
        "缺少必填字段",
        "A required field is missing",
    ),
    (
        "validation_failed",
        "请求内容不合法",
        "The request is not valid",
    ),
    (
        "invalid_phone",
        "手机号格式不正确",
        "That is not a mobile phone number",
    ),
    (
        "password_too_short",
        "密码至少 8 位",
        "The password must have at least 8 characters",
    ),
    (
        "invalid_length",
        "字段长度不合法",
        "A field is too short or too long",
    ),
    (
        "invalid_text",
        "文本含有不允许的字符",
        "The text contains characters that are not allowed",
    ),
    ("unknown_role", "未知角色", "Unknown role"),
    (
        "role_not_allowed",
        "该角色不能在此设置",
        "That role cannot be given here",
    ),
    (
        "invalid_date",
        "日期格式应为 YYYY-MM-DD",
        "Dates must be written YYYY-MM-DD",
    ),
    (
        "invalid_date_range",
        "结束日期早于开始日期",
        "The end date is before the start date",
    ),
    (
        "invalid_school_year",
        "学年格式应为 2026-2027",
        "School years are written like 2026-2027",
    ),
    (
        "term_overlap",
        "与已有学期时间重叠",
        "The dates overlap an existing term",
    ),
    (
        "invalid_cursor",
        "分页游标无效",
        "The pagination cursor is not valid",
    ),
    (
        "invalid_query",
        "查询参数不合法",
        "A query parameter is not valid",
    ),
    (
        "payload_too_large",
        "请求体过大",
        "The request body is too large",
    ),
    (
        "request_timeout",
        "请求体发送超时",
        "The request body was not sent in time",
    ),
    (
        "unsupported_media_type",
        "不支持的内容类型",
        "Unsupported content type",
    ),
    ("missing_token", "需要登录", "Authentication is required"),
    (
        "invalid_token",
        "登录凭证无效",
        "The access token is not valid",
    ),
    (
        "token_expired",
        "登录已过期,请刷新",
        "The access token has expired; refresh it",
    ),
    (
        "token_revoked",
        "登录已失效,请重新登录",
        "This session has ended; log in again",
    ),
    (
        "account_disabled",
        "账号已停用",
        "This account no longer exists",
    ),
    (
        "invalid_credentials",
        "手机号或密码错误",
        "Wrong phone number or password",
    ),
    (
        "too_many_attempts",
        "尝试次数过多,请稍后再试",
        "Too many attempts; try again later",
    ),
    (
        "invalid_refresh_token",
        "刷新凭证无效",
        "The refresh token is not valid",
    ),
    (
        "refresh_token_expired",
        "刷新凭证已过期,请重新登录",
        "The refresh token has expired; log in again",
    ),
    (
        "refresh_token_reused",
        "刷新凭证被重复使用,已注销该会话",
        "The refresh token was used twice; the session is revoked",
    ),
    ("forbidden", "无权进行此操作", "You may not do this"),
    (
        "csrf_failed",
        "请求缺少本次登录的校验码，请刷新页面后重试",
        "The request lacks this login's CSRF token; reload the page and try again",
    ),
    ("not_found", "资源不存在", "Not found"),
    ("route_not_found", "接口不存在", "No such route"),
    (
        "method_not_allowed",
        "不支持该请求方法",
        "Method not allowed",
    ),
    ("conflict", "与现有数据冲突", "Conflicts with existing data"),
    (
        "phone_taken",
        "手机号已被使用",
        "That phone number is taken",
    ),
    ("district_not_found", "学区不存在", "No such district"),
    (
        "school_not_found",
        "该学区没有这所学校",
        "No such school in this district",
    ),
    (
        "id_conflict",
        "该编号已被另一条记录使用",
        "This id belongs to a different record",
    ),
    ("invalid_id", "编号必须是 UUID", "The id must be a UUID"),
    (
        "invalid_time_range",
        "结束时间早于开始时间",
        "ended_at is before started_at",
    ),
    (
        "lesson_in_future",
        "课程时间不能在将来",
        "The lesson cannot be in the future",
    ),
    (
        "unknown_rubric_item",
        "评分项不在评价量表中",
        "A score is for an item the rubric does not have",
    ),
    (
        "score_out_of_range",
        "分数超出该项范围",
        "A score is outside the item's range",
    ),
    ("invalid_kind", "听课类型不正确", "Unknown observation kind"),
    (
        "teacher_not_in_school",
        "被听课教师不在该校",
        "The teacher is not a member of that school",
    ),
    (
        "cannot_observe_self",
        "不能听自己的课",
        "You cannot observe your own lesson",
    ),
    (
        "not_allowed_to_observe",
        "无权在该校听课",
        "You may not observe lessons in that school",
    ),
    (
        "precondition_failed",
        "记录已被修改,请刷新后重试",
        "The record changed since you read it; reload and retry",
    ),
    (
        "precondition_required",
        "请携带 If-Match 请求头",
        "Send the record's ETag in If-Match",
    ),
    (
        "not_your_observation",
        "只能修改自己的听课记录",
        "Only the observer may change this observation",
    ),
    (
        "observation_submitted",
        "听课记录已提交,不能再修改",
        "The observation is submitted and can no longer be changed",
    ),
    (
        "already_submitted",
        "听课记录已提交",
        "The observation is already submitted",
    ),
    (
        "scores_incomplete",
        "还有评分项未打分",
        "Some rubric items have no score yet",
    ),
    (
        "not_observed_teacher",
        "只有被听课教师可以确认",
        "Only the observed teacher may acknowledge",
    ),
    (
        "already_acknowledged",
        "已确认过该反馈",
        "The feedback was already acknowledged",
    ),
    (
        "observation_not_submitted",
        "听课记录尚未提交",
        "The observation is not submitted yet",
    ),
    (
        "duplicate_rubric_key",
        "评分项编码重复",
        "Two rubric items have the same key",
    ),
    (
        "invalid_rubric_key",
        "评分项编码格式不正确",
        "A rubric key must be lower-case letters, digits and underscores",
    ),
    (
        "duplicate_quota_rule",
        "同一角色、活动和周期的规则重复",
        "Two rules have the same role, activity and period",
    ),
    (
        "invalid_quota_rule",
        "规则的角色、活动或周期不正确",
        "Unknown role, activity or period in a rule",
    ),
    (
        "school_rule_not_stricter",
        "学校的规则只能比区里的更严格",
        "A school's rule must ask more than the district's",
    ),
    ("unknown_qualifier", "未知的职务限定", "Unknown qualifier"),
    (
        "school_not_in_district",
        "该学校不在此区",
        "No school of the district has this id",
    ),
    (
        "qualifier_not_allowed",
        "该职务限定不属于此人的角色",
        "The qualifier belongs to a role the member does not hold",
    ),
    (
        "invalid_calendar",
        "校历条目不正确",
        "A calendar entry lies outside its term, is in the wrong order, or is not its sender's to set",
    ),
    ("term_not_found", "学期不存在", "No such term"),
    (
        "no_current_term",
        "今天不在本区任何学期内，请指定学期",
        "No term of the district contains today: name a term",
    ),
    (
        "member_not_in_school",
        "此人不是该校成员",
        "That person is not a member of the school",
    ),
    (
        "cannot_mentor_self",
        "不能与自己结对",
        "A teacher cannot mentor themselves",
    ),
    (
        "pair_exists",
        "该师徒在此学期已结对",
        "This pair already exists for that term",
    ),
    (
        "apprentice_has_mentor",
        "该徒弟在此学科已有师父",
        "The apprentice already has an active mentor for that subject",
    ),
    (
        "mentorship_ended",
        "师徒结对已结束",
        "The mentorship has ended",
    ),
    (
        "not_in_pair",
        "只有师父或徒弟可以记录",
        "Only the mentor or the apprentice may log for this pair",
    ),
    (
        "term_not_covered",
        "该日期不在结对的学期内",
        "The pair does not span the term of that day",
    ),
    (
        "term_closed",
        "该学期已结束超过一周,不再计数",
        "The term of that day closed more than a week ago; its counts are final",
    ),
    (
        "observation_not_in_pair",
        "听课记录与该师徒不符",
        "The observation is not one of this pair observing the other",
    ),
    (
        "observation_required",
        "听课类活动需关联听课记录",
        "An observing activity must name its observation",
    ),
    (
        "already_evaluated",
        "本学期已评价过",
        "This term has already been evaluated",
    ),
    ("invalid_rating", "评价等级不正确", "Unknown rating"),
    (
        "not_your_document",
        "只能修改自己的教案或导学案",
        "Only the document's teacher may change it",
    ),
    (
        "document_submitted",
        "已提交,不能再修改页面",
        "The document is submitted; its pages can no longer change",
    ),
    (
        "no_pages",
        "请先上传至少一页",
        "Upload at least one page first",
    ),
    (
        "invalid_transition",
        "当前状态下不能进行此操作",
        "Not possible in the document's current state",
    ),
    (
        "cannot_review_own",
        "不能审阅自己的教案",
        "You cannot review your own document",
    ),
    (
        "cannot_sign_own",
        "不能签发自己的导学案",
        "You cannot sign off your own sheet",
    ),
    ("invalid_verdict", "审阅结论不正确", "Unknown verdict"),
    (
        "rectify_by_required",
        "要求整改时须给出整改期限",
        "A request for revision needs a rectify_by date",
    ),
    (
        "malformed_multipart",
        "上传内容格式不正确",
        "The multipart body cannot be read",
    ),
    (
        "too_many_parts",
        "上传内容的分段过多",
        "The multipart body has too many parts",
    ),
    (
        "missing_file",
        "缺少名为 file 的图片",
        "Send the photo as the part named file",
    ),
    ("empty_file", "文件为空", "The file is empty"),
    ("file_too_large", "图片文件过大", "The file is too large"),
    (
        "unsupported_format",
        "只接受 JPEG、PNG 或 WebP 图片",
        "Only JPEG, PNG and WebP images are accepted",
    ),
    (
        "heic_not_enabled",
        "服务器不接受 HEIC 照片，请转换为 JPEG 后重新上传",
        "This server does not accept HEIC photos: convert the photo to JPEG and send it again",
    ),
    (
        "too_many_pixels",
        "图片像素过多",
        "The image has too many pixels",
    ),
    (
        "corrupt_image",
        "图片已损坏或不完整",
        "The image is truncated or corrupt",
    ),
    (
        "invalid_index",
        "页码不正确",
        "The page index must be a number from 1",
    ),
    (
        "invalid_page_order",
        "请按顺序列出每一页且只列一次",
        "Name every page of the document once",
    ),
    ("url_expired", "链接已过期", "The link has expired"),
    ("invalid_signature", "链接无效", "The link is not valid"),
    (
        "invalid_idempotency_key",
        "Idempotency-Key 请求头不正确",
        "The Idempotency-Key header must have 1 to 255 characters",
    ),
    (
        "idempotency_key_reused",
        "该 Idempotency-Key 已用于另一个请求",
        "This Idempotency-Key was used for another request",
    ),
    (
        "group_exists",
        "本校已有同名的组",
        "The school has a group of this name already",
    ),
    (
        "invalid_leaders",
        "每个组须有一至两名组长",
        "A group has one or two leaders",
    ),
    (
        "duplicate_member",
        "同一人被列出两次",
        "A person is listed twice",
    ),
    (
        "wrong_meeting_kind",
        "备课组开展集体备课,教研组和年级组开展教研活动",
        "A preparation group prepares together; subject and grade groups hold research activities",
    ),
    (
        "group_not_found",
        "该校没有这个教研组",
        "No such group in the school",
    ),
    (
        "not_a_group_document",
        "只有导学案和活动记录可以属于小组",
        "Only a guided-learning sheet or an activity record belongs to a group",
    ),
    (
        "wrong_group_kind",
        "导学案属于备课组",
        "A sheet belongs to a lesson-preparation group",
    ),
    (
        "member_not_in_group",
        "不是本组成员",
        "Not a member of this group",
    ),
    (
        "document_not_found",
        "本校没有这份文档",
        "No such document in this school",
    ),
    (
        "observation_not_found",
        "不是本校已提交的听课记录",
        "Not a submitted observation of this school",
    ),
    (
        "not_allowed_here",
        "此处不能填写该项",
        "This field has no place here",
    ),
    (
        "duplicate_activity",
        "该师徒在这一分钟已记录过同类活动",
        "The pair has an activity of this kind at this minute already",
    ),
    (
        "wrong_password",
        "当前密码不正确",
        "The current password is not correct",
    ),
    (
        "incomplete_body",
        "请求内容未完整送达,未保存任何内容,请重新发送",
        "The request body did not arrive whole; nothing was saved; send it again",
    ),
    (
        "idempotency_key_in_use",
        "使用该 Idempotency-Key 的请求仍在处理中",
        "A request with this Idempotency-Key is still being handled; retry shortly",
    ),
    (
        "service_unavailable",
        "服务暂时不可用,请稍后重试",
        "Temporarily unavailable; retry shortly",
    ),
    ("not_ready", "服务未就绪", "Not ready"),
    (
        "storage_full",
        "服务器磁盘已满,未保存任何内容,请稍后重试",
        "The server's disk is full; nothing was saved; retry later",
    ),
    (
        "storage_read_only",
        "服务器磁盘只读,未保存任何内容,请稍后重试",
        "The server's disk is read-only; nothing was saved; retry later",
    ),
    (
        "password_change_required",
        "请先设置自己的密码",
        "Choose a password of your own first",
    ),
    (
        "password_unchanged",
        "新密码不能与一次性密码相同",
        "The new password must not be the one-time password",
    ),
    (
        "phone_other_name",
        "该手机号已属于另一姓名的人员",
        "That phone number belongs to a person of another name",
    ),
    (
        "already_member",
        "此人已是该校成员",
        "That person is a member already",
    ),
    (
        "not_a_spreadsheet",
        "文件不是可读取的表格(xlsx、xls 或 csv)",
        "The file is not a spreadsheet Tingke reads (xlsx, xls or csv)",
    ),
    (
        "unsupported_spreadsheet",
        "不支持此表格格式,请另存为 .xlsx",
        "This kind of spreadsheet is not read; save it as .xlsx",
    ),
    (
        "macro_workbook",
        "不接受含宏的工作簿,请另存为 .xlsx",
        "Workbooks with macros are refused; save it as .xlsx",
    ),
    (
        "workbook_too_large",
        "表格解压后过大",
        "The workbook is too large once decompressed",
    ),
    (
        "too_many_rows",
        "表格行数过多",
        "The sheet has too many rows",
    ),
    (
        "formula_not_allowed",
        "表格中不能有公式,请粘贴为数值",
        "Formulas are not allowed; paste the values instead",
    ),
    ("cell_too_long", "单元格内容过长", "A cell is too long"),
    (
        "missing_sheet",
        "缺少工作表,请使用导入模板",
        "A sheet is missing; use the import template",
    ),
    (
        "missing_column",
        "缺少列,请使用导入模板",
        "A column is missing; use the import template",
    ),
    (
        "import_has_problems",
        "导入预览有问题,请修改表格后重新上传",
        "The preview has problems; correct the workbook and upload it again",
    ),
    (
        "import_committed",
        "该导入已提交",
        "This import has been committed already",
    ),
    (
        "import_stale",
        "预览之后数据已变化,请重新上传预览",
        "The data changed since the preview; upload the workbook again",
    ),
    (
        "not_missing",
        "只能移除预览中列为缺失的人员",
        "Only people the preview lists as missing can be removed",
    ),
    (
        "login_sheet_taken",
        "登录表已被下载过",
        "The login sheet has been downloaded already",
    ),
    (
        "login_sheet_not_ready",
        "导入提交后才有登录表",
        "The login sheet exists once the import is committed",
    ),
    (
        "wrong_sheet_key",
        "登录表密钥不正确",
        "That is not the login sheet's key",
    ),
    ("internal_error", "服务器内部错误", "Internal server error"),
    (
        "invalid_grade",
        "等级应为优秀、良好、合格或不合格",
        "The grade is excellent, good, pass or fail",
    ),
    (
        "invalid_range",
        "起止日期不合法",
        "The first and last days do not make a span",
    ),
    (
        "invalid_part",
        "督查方式应为听、查、看、访、谈之一",
        "A part is listen, check, look, visit or talk",
    ),
    (
        "duplicate_part",
        "同一督查方式出现了两次",
        "A part is named twice",
    ),
    (
        "notice_closed",
        "整改通知已验收",
        "The notice has been verified",
    ),
    (
        "not_answered",
        "整改尚未回复,不能验收",
        "The notice has not been answered yet",
    ),
    (
        "rounds_exhausted",
        "已下发最后一次整改通知",
        "The last round of the notice has been sent",
    ),
    (
        "invalid_due_on",
        "整改期限须在今天之后",
        "The deadline must be a day after today",
    ),
    (
        "not_below_pass_line",
        "该节课未低于评分合格线",
        "The lesson is not below the rubric's pass line",
    ),
    (
        "round_closed",
        "本轮检查已结束",
        "The check round is closed",
    ),
    (
        "already_checked",
        "该教师本轮已检查",
        "The teacher has been checked in this round",
    ),
    (
        "round_has_results",
        "本轮检查已有记录,不能删除",
        "The check round has results and stays",
    ),
    (
        "wrong_document_kind",
        "材料类型不符",
        "The document is not of the kind asked for",
    ),
    (
        "invalid_about",
        "整改通知关联的对象类型不合法",
        "A notice is about a check result, an observation, a document or an inspection",
    ),
    (
        "about_not_found",
        "整改通知关联的对象不存在",
        "What the notice is about does not exist here",
    ),
    (
        "event_not_found",
        "本校没有这节公开课",
        "No such event in this school",
    ),
    (
        "event_mismatch",
        "听课记录与公开课的授课教师、课型或时间不符",
        "The event's teacher, kind or time is not the observation's",
    ),
    (
        "event_has_observations",
        "这节公开课已有听课记录",
        "The event has observations",
    ),
    (
        "invalid_invitee",
        "受邀者不是本校人员或本区教研人员",
        "An invitee is neither of this school nor of its district's staff",
    ),
    (
        "open_week_not_found",
        "本校没有这个教学开放周",
        "No such open week in this school",
    ),
    (
        "outside_open_week",
        "这节课不在教学开放周的日期内",
        "The lesson is not on a day of its open week",
    ),
    (
        "open_week_has_lessons",
        "教学开放周已安排了课",
        "The open week holds lessons",
    ),
    (
        "meeting_not_found",
        "本校没有这次教研活动",
        "No such group activity in this school",
    ),
    (
        "outside_event_time",
        "签到时间须在上课前后一小时内",
        "Check-in opens an hour before the lesson and closes an hour after it",
    ),
    (
        "checked_in_in_future",
        "签到时间不能晚于现在",
        "A check-in cannot be later than now",
    ),
    (
        "own_lesson",
        "授课教师无需签到",
        "The teacher who gives the lesson does not check in to it",
    ),
    // Resumable photo uploads (tus 1.0, issue 25).
    (
        "tus_version_unsupported",
        "不支持的断点续传协议版本",
        "Only version 1.0.0 of the tus protocol is served (Tus-Resumable: 1.0.0)",
    ),
    (
        "missing_upload_length",
        "缺少上传大小(Upload-Length)",
        "Upload-Length is required",
    ),
    (
        "invalid_upload_length",
        "上传大小(Upload-Length)无效",
        "Upload-Length must be a number of bytes from 1",
    ),
    (
        "invalid_upload_metadata",
        "上传元数据(Upload-Metadata)格式错误",
        "Upload-Metadata must be key and base64 value pairs",
    ),
    (
        "invalid_upload_offset",
        "上传位置(Upload-Offset)无效",
        "Upload-Offset must be a number of bytes",
    ),
    (
        "upload_offset_mismatch",
        "上传位置与服务器已收到的不符,请先查询进度",
        "Upload-Offset is not where the upload stands; ask with HEAD and resume from there",
    ),
    (
        "upload_past_length",
        "上传内容超出声明的大小",
        "The bytes go past the declared Upload-Length",
    ),
    (
        "invalid_upload_checksum",
        "校验值(Upload-Checksum)格式错误",
        "Upload-Checksum must be an algorithm and a base64 digest",
    ),
    (
        "checksum_algorithm_unsupported",
        "不支持的校验算法",
        "This checksum algorithm is not supported",
    ),
    (
        "checksum_mismatch",
        "校验值不符,这部分内容已丢弃,请重新发送",
        "The checksum does not match; the chunk was discarded, send it again",
    ),
    (
        "upload_expired",
        "上传已过期,请重新开始",
        "This upload has expired; start a new one",
    ),
];

/// The title of `code` in `lang`.
pub fn title(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| (*zh, *en))
        .unwrap_or(("请求出错", "Request failed"));
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The catalogue's own string for `code`, or `validation_failed` when it is not a known code.
pub fn known_code(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(c, _, _)| *c)
        .unwrap_or("validation_failed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_english_only_when_preferred() {
        assert_eq!(Lang::from_accept_language(None), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("zh-CN,en;q=0.5")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Zh);
        assert_eq!(Lang::from_accept_language(Some("fr, en;q=0.3")), Lang::En);
    }

    #[test]
    fn every_code_is_unique_and_has_both_titles() {
        let mut seen = std::collections::HashSet::new();
        for (code, zh, en) in CODES {
            assert!(seen.insert(*code), "duplicate code {code}");
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }
}
