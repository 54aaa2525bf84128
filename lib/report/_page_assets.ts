/**
 * The report pages' inline style and scripts (no network, no build step): the stylesheet,
 * table sorting, figure downloads (SVG composed from the figure's parts, PNG drawn from it)
 * and projection legends, and the image explorer. Private to `lib/report/`.
 *
 * @module
 */

export const CSS = `
:root{--fg:#1d2330;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--accent:#3b6fb6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:baseline;flex-wrap:wrap}
header .brand{font-weight:700;letter-spacing:.02em}
header a{color:#cfd8e3;text-decoration:none}header a:hover,header a.active{color:#fff;text-decoration:underline}
main{max-width:1280px;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.4rem;margin:.8rem 0 .2rem;word-break:break-all}h2{font-size:1.1rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:.95rem;margin:1rem 0 .3rem;color:var(--muted)}
.muted,.note{color:var(--muted)}.note{background:#fff;border-left:3px solid var(--accent);padding:.5rem .8rem}
.warn{border-left-color:#e15759}
code{background:#eef1f5;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;background:#fff;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{background:#eef1f5;position:sticky;top:0}td.t,th.t{text-align:left}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:hover{background:#e0e6ee}
th[data-dir=asc]::after{content:" \\25B2"}th[data-dir=desc]::after{content:" \\25BC"}
tbody tr:hover{background:#f2f6fc}
.scroll{overflow-x:auto}
.grid{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}
.card{margin-top:.8rem;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem}
figure{margin:0}figure h2,figure h3{border:0;margin:.2rem 0}
svg{max-width:100%;height:auto}
pre{background:#fff;border:1px solid var(--line);padding:.6rem;overflow:auto;max-height:28rem;font-size:12px}
dl.kv{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.gallery{display:grid;gap:.4rem}
.gallery .row{display:flex;gap:.6rem;align-items:center;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.3rem .5rem}
.gallery .cell{display:flex;flex-direction:column;align-items:center;font-size:11px;width:64px}
.gallery img{width:56px;height:56px;image-rendering:pixelated;border:2px solid transparent}
.gallery .query img{border-color:var(--accent)}.gallery .bad{color:#c0392b}.gallery .good{color:#2e7d32}
.gallery .sep{width:1px;align-self:stretch;background:var(--line)}
.gallery img.same{border-color:#59a14f}.gallery img.other{border-color:#e15759}
.badge{display:inline-block;background:#e15759;color:#fff;border-radius:3px;padding:0 .35em;font-size:11px;font-weight:600;vertical-align:1px}
td.good{color:#2e7d32;font-weight:600}td.bad{color:#c0392b;font-weight:600}
p.answer{font-size:15px;margin:.4rem 0}
.plot figcaption,.plot>figure>h2,.plot>figure>h3{max-width:560px}
.dl{font-size:12px;color:var(--muted);margin:.3rem 0 0}.dl a{margin-left:.4em}
.legend{max-width:560px;font-size:11px;margin-top:.3rem}.legend .grp{margin:.15rem 0}
.legend button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:3px;padding:0 .35em;margin:1px;cursor:pointer;line-height:1.5}
.legend button i{display:inline-block;width:.75em;height:.75em;border-radius:50%;margin-right:.25em;vertical-align:-1px}
.legend button.cat{font-weight:600;border-color:transparent;background:none}
.legend button.off{opacity:.35;text-decoration:line-through}
figure[data-split] g.pts{cursor:crosshair}
.xtip{position:fixed;z-index:20;pointer-events:none;background:#fff;border:1px solid var(--line);box-shadow:0 2px 8px rgba(0,0,0,.18);border-radius:6px;padding:.35rem .5rem;font-size:12px;display:flex;gap:.5rem;align-items:flex-start;max-width:340px}
.xtip[hidden],.xpanel[hidden]{display:none}
.thumb{display:inline-block;position:relative;overflow:hidden;flex:none;border:2px solid transparent;box-sizing:content-box;background:#eef1f5}
.thumb img{position:absolute;max-width:none}
.xtip .same{color:#2e7d32}.xtip .other{color:#c0392b}.xtip .nn{margin-top:.2rem}
.xpanel{position:fixed;z-index:21;right:1rem;bottom:1rem;background:#fff;border:1px solid var(--line);box-shadow:0 4px 16px rgba(0,0,0,.2);border-radius:8px;padding:.6rem .8rem;font-size:12px;max-width:480px}
.xpanel .q{display:flex;gap:.6rem;align-items:center;margin-bottom:.4rem}
.xpanel .q .thumb{border-color:var(--accent)}
.xpanel .row{display:flex;gap:.4rem;margin-bottom:.3rem}
.xpanel .cell{display:flex;flex-direction:column;align-items:center;width:64px}
.xpanel .cell .thumb{border-color:#59a14f}.xpanel .cell.other .thumb{border-color:#e15759}.xpanel .cell.other .name{color:#c0392b;font-weight:600}
.xpanel .close{position:absolute;right:.4rem;top:.1rem;border:0;background:none;font-size:18px;cursor:pointer;color:var(--muted)}
.xpanel .bad{color:#c0392b;font-weight:600}.xpanel .good{color:#2e7d32}
`;

export const SORT_SCRIPT = `
document.querySelectorAll("table.sortable").forEach(function(t){
  t.querySelectorAll("thead th").forEach(function(th,i){
    th.addEventListener("click",function(){
      var dir=th.dataset.dir==="asc"?"desc":"asc";
      t.querySelectorAll("thead th").forEach(function(h){delete h.dataset.dir});
      th.dataset.dir=dir;
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      var key=function(r){var c=r.cells[i],v=c.dataset.v!==undefined?c.dataset.v:c.textContent,n=parseFloat(v);return isNaN(n)?v:n};
      rows.sort(function(a,b){var x=key(a),y=key(b);var c=typeof x==="number"&&typeof y==="number"?x-y:String(x).localeCompare(String(y));return dir==="asc"?c:-c});
      rows.forEach(function(r){body.appendChild(r)});
    });
  });
});`;

/**
 * The figures' script: download links (SVG: the figure's Plot SVGs, swatch legends, title
 * and caption composed into one SVG with XMLSerializer; PNG: that SVG drawn on a canvas
 * through an Image), and projection legends (click hides or shows a class or category,
 * shift-click isolates it or, when it already is, shows all). Works from file://.
 */
export const FIGURE_SCRIPT = `
(function(){
var NS="http://www.w3.org/2000/svg";
function el(tag,attrs,text){var e=document.createElementNS(NS,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!=null)e.textContent=text;return e}
function compose(fig){
  var plot=fig.querySelector(".plot > *");if(!plot)return null;
  var kids=plot.localName==="svg"?[plot]:[].slice.call(plot.children);
  var svgs=kids.filter(function(k){return k.localName==="svg"});
  var W=Math.max.apply(null,svgs.map(function(s){return +s.getAttribute("width")||s.getBoundingClientRect().width}));
  var out=el("svg",{xmlns:NS,"font-family":"system-ui, sans-serif"}),body=el("g",{transform:"translate(8,8)"}),y=0;
  function lines(text,size,weight){
    var words=text.trim().split(/\\s+/),line="",max=Math.max(20,Math.floor(W/(size*0.55)));
    function put(){if(!line)return;body.appendChild(el("text",{x:0,y:y+size,"font-size":size,"font-weight":weight||"normal"},line));y+=size*1.35;line=""}
    words.forEach(function(w){if(line&&(line+" "+w).length>max)put();line=line?line+" "+w:w});put();y+=4;
  }
  var heading=fig.querySelector(":scope > h3");if(heading)lines(heading.textContent,13,"bold");
  kids.forEach(function(k){
    if(k.localName==="h2"||k.localName==="h3")lines(k.textContent,k.localName==="h2"?15:12,k.localName==="h2"?"bold":"normal");
    else if(k.localName==="figcaption")lines(k.textContent,11);
    else if(k.localName==="svg"){
      var vb=(k.getAttribute("viewBox")||"0 0").split(/[ ,]+/).map(Number);
      var g=el("g",{transform:"translate("+(-vb[0]||0)+","+(y-(vb[1]||0))+")"});
      ["class","fill","font-family","font-size","font-variant","text-anchor"].forEach(function(a){if(k.hasAttribute(a))g.setAttribute(a,k.getAttribute(a))});
      [].slice.call(k.childNodes).forEach(function(c){g.appendChild(c.cloneNode(true))});
      body.appendChild(g);y+=+k.getAttribute("height")||k.getBoundingClientRect().height;y+=4;
    }else if(/swatches/.test(k.getAttribute("class")||"")){
      var x=0,h=16;
      [].slice.call(k.querySelectorAll("[class$=-swatch]")).forEach(function(sw){
        var label=sw.textContent.trim(),w=15+5+label.length*6;
        if(x>0&&x+w>W){x=0;y+=h}
        var sq=sw.querySelector("svg"),g=el("g",{transform:"translate("+x+","+y+")"});
        if(sq){var inner=el("svg",{width:15,height:15,fill:sq.getAttribute("fill")||"none",stroke:sq.getAttribute("stroke")||"none"});[].slice.call(sq.childNodes).forEach(function(c){inner.appendChild(c.cloneNode(true))});g.appendChild(inner)}
        g.appendChild(el("text",{x:20,y:11,"font-size":10},label));body.appendChild(g);x+=w+10;
      });y+=h+8;
    }
  });
  var w=Math.ceil(W+16),hh=Math.ceil(y+16);
  out.setAttribute("width",w);out.setAttribute("height",hh);out.setAttribute("viewBox","0 0 "+w+" "+hh);
  out.appendChild(el("rect",{width:w,height:hh,fill:"white"}));out.appendChild(body);
  return {text:new XMLSerializer().serializeToString(out),width:w,height:hh};
}
function save(blob,name){var a=document.createElement("a");a.href=URL.createObjectURL(blob);a.download=name;document.body.appendChild(a);a.click();setTimeout(function(){URL.revokeObjectURL(a.href);a.remove()},1000)}
document.addEventListener("click",function(e){
  var link=e.target.closest("a[data-download]");if(!link)return;
  e.preventDefault();
  var fig=link.closest("figure[id]"),svg=compose(fig);if(!svg)return;
  var name=(fig.dataset.name||fig.id)+"."+link.dataset.download;
  if(link.dataset.download==="svg")return save(new Blob([svg.text],{type:"image/svg+xml"}),name);
  var img=new Image();
  img.onload=function(){var c=document.createElement("canvas");c.width=2*svg.width;c.height=2*svg.height;var ctx=c.getContext("2d");ctx.scale(2,2);ctx.drawImage(img,0,0);c.toBlob(function(b){save(b,name)},"image/png")};
  img.src="data:image/svg+xml;charset=utf-8,"+encodeURIComponent(svg.text);
});
document.querySelectorAll(".legend").forEach(function(legend){
  var fig=legend.closest("figure[id]"),hidden=new Set();
  var entries=[].slice.call(legend.querySelectorAll("button[data-class]"));
  var all=entries.map(function(b){return b.dataset.class});
  function apply(){
    fig.querySelectorAll("svg [data-class]").forEach(function(m){m.style.display=hidden.has(m.getAttribute("data-class"))?"none":""});
    entries.forEach(function(b){b.classList.toggle("off",hidden.has(b.dataset.class))});
    legend.querySelectorAll("button[data-category]").forEach(function(b){
      var cs=[].slice.call(b.parentNode.querySelectorAll("button[data-class]"));
      b.classList.toggle("off",cs.every(function(c){return hidden.has(c.dataset.class)}));
    });
  }
  legend.addEventListener("click",function(e){
    var b=e.target.closest("button");if(!b)return;
    var set=b.dataset.class?[b.dataset.class]:b.dataset.category?[].slice.call(b.parentNode.querySelectorAll("button[data-class]")).map(function(c){return c.dataset.class}):all;
    if(!b.dataset.class&&!b.dataset.category){hidden.clear()}
    else if(e.shiftKey){
      var isolated=all.every(function(c){return hidden.has(c)!==(set.indexOf(c)>=0)});
      hidden=new Set(isolated?[]:all.filter(function(c){return set.indexOf(c)<0}));
    }else{
      var allHidden=set.every(function(c){return hidden.has(c)});
      set.forEach(function(c){if(allHidden)hidden.delete(c);else hidden.add(c)});
    }
    apply();
  });
});
})();`;

/**
 * The explorer's script: hovering a projection maps the mouse to the nearest drawn point of a
 * visible class (the points are read from the figure's compact paths, `M x y h0` each, in
 * {@linkcode projectionPointOrder}) and shows its class and split; with a data script
 * (`data-explorer`, loaded by a `<script src>` on the first hover, which works from file://)
 * also its thumbnail from the split's sprite sheet and its nearest training samples' classes.
 * A click pins a panel with the k nearest training images and their distances.
 */
export const EXPLORER_SCRIPT = `
(function(){
var NS="http://www.w3.org/2000/svg";
var note=document.querySelector("[data-explorer]"),src=note?note.getAttribute("data-explorer"):null;
var base=src?src.replace(/[^\\/]*$/,""):"",data=null,state=src?"idle":"none",waiting=[];
function load(cb){
  if(data)return cb(data);
  if(state==="none"||state==="failed")return cb(null);
  waiting.push(cb);if(state==="loading")return;state="loading";
  var s=document.createElement("script");s.src=src;
  function done(){data=window.metriclabExplorer||null;state=data?"done":"failed";waiting.splice(0).forEach(function(f){f(data)})}
  s.onload=done;s.onerror=done;document.head.appendChild(s);
}
function esc(t){return String(t).replace(/[&<>"]/g,function(c){return{"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]})}
function pointsOf(fig){
  if(fig.__pts)return fig.__pts;
  var pts=[];
  fig.querySelectorAll("g.pts path[data-class]").forEach(function(p){
    var d=p.getAttribute("d")||"",re=/M(-?[\\d.]+)[ ,](-?[\\d.]+)/g,m,cls=p.getAttribute("data-class");
    while((m=re.exec(d)))pts.push({x:+m[1],y:+m[2],cls:cls,path:p,k:pts.length});
  });
  return fig.__pts=pts;
}
function nearest(fig,e){
  var g=fig.querySelector("g.pts"),svg=g&&g.ownerSVGElement,ctm=svg&&svg.getScreenCTM();
  if(!ctm)return null;
  var p=new DOMPoint(e.clientX,e.clientY).matrixTransform(ctm.inverse()),best=null,bd=100;
  pointsOf(fig).forEach(function(q){
    if(q.path.style.display==="none")return;
    var dx=q.x-p.x,dy=q.y-p.y,d=dx*dx+dy*dy;if(d<bd){bd=d;best=q}
  });
  return best&&{fig:fig,svg:svg,x:best.x,y:best.y,cls:best.cls,k:best.k};
}
function info(q,d){
  var split=q.fig.getAttribute("data-split"),f=d&&d.figures[q.fig.id],row=f?f.rows[q.k]:null;
  if(row==null)return{split:split,cls:q.cls,row:null};
  var s=d[split],k=d.k,nn=[];
  for(var j=0;j<k;j++){var t=s.nn[row*k+j];nn.push({row:t,cls:d.classNames[d.train.labels[t]],dist:s.dist[row*k+j]})}
  return{split:split,cls:d.classNames[s.labels[row]],row:row,nn:nn};
}
function thumb(d,split,row,size){
  var c=d.cols,col=row%c,line=Math.floor(row/c);
  return '<span class="thumb" style="width:'+size+'px;height:'+size+'px"><img alt="" src="'+esc(base+d.sprites[split])+'" style="width:'+(c*size)+'px;left:'+(-col*size)+'px;top:'+(-line*size)+'px"></span>';
}
var tip=document.createElement("div");tip.className="xtip";tip.hidden=true;document.body.appendChild(tip);
var panel=document.createElement("div");panel.className="xpanel";panel.hidden=true;document.body.appendChild(panel);
var marker=null,current=null;
function mark(q){
  if(!q){if(marker)marker.remove();marker=null;return}
  if(!marker||marker.ownerSVGElement!==q.svg){
    if(marker)marker.remove();
    marker=document.createElementNS(NS,"circle");
    [["class","xmark"],["r",5],["fill","none"],["stroke","#1d2330"],["stroke-width",1.5],["pointer-events","none"]].forEach(function(a){marker.setAttribute(a[0],a[1])});
    q.svg.appendChild(marker);
  }
  marker.setAttribute("cx",q.x);marker.setAttribute("cy",q.y);
}
function fill(q){
  var i=info(q,data),h=i.row!=null?thumb(data,i.split,i.row,64):"";
  h+='<div><b>'+esc(i.cls)+'</b> <span class="muted">'+i.split+(i.row!=null?" sample #"+i.row:"")+'</span>';
  if(i.nn)h+='<div class="nn">nearest training: '+i.nn.map(function(n){return '<span class="'+(n.cls===i.cls?"same":"other")+'">'+esc(n.cls)+'</span>'}).join(" ")+'</div><div class="muted">click to pin the images</div>';
  else if(state==="idle"||state==="loading")h+='<div class="muted">loading images…</div>';
  tip.innerHTML=h+'</div>';tip.hidden=false;
}
function place(e){
  var w=tip.offsetWidth,h=tip.offsetHeight,x=e.clientX+16,y=e.clientY+16;
  if(x+w>innerWidth-4)x=e.clientX-w-16;if(y+h>innerHeight-4)y=e.clientY-h-16;
  tip.style.left=Math.max(4,x)+"px";tip.style.top=Math.max(4,y)+"px";
}
function same(a,b){return a&&b&&a.fig===b.fig&&a.k===b.k}
document.addEventListener("mousemove",function(e){
  var fig=e.target.closest&&e.target.closest("figure[data-split]");
  var q=fig&&e.target.closest("svg")?nearest(fig,e):null;
  if(!q){if(current){current=null;tip.hidden=true;mark(null)}return}
  if(!same(q,current)){
    current=q;mark(q);fill(q);
    if(!data)load(function(d){if(d&&same(q,current)){fill(q);place(e)}});
  }
  place(e);
});
function pin(q){
  var i=info(q,data);if(i.row==null||!i.nn||!i.nn.length)return;
  var wrong=i.nn[0].cls!==i.cls;
  var h='<button type="button" class="close" title="Close">×</button><div class="q">'+thumb(data,i.split,i.row,64)+'<div><b>'+esc(i.cls)+'</b><br><span class="muted">'+i.split+' sample #'+i.row+'</span><br>'+(wrong?'<span class="bad">misclassified at k=1: '+esc(i.nn[0].cls)+'</span>':'<span class="good">correct at k=1</span>')+'</div></div><div class="row">';
  h+=i.nn.map(function(n){return '<div class="cell'+(n.cls===i.cls?"":" other")+'">'+thumb(data,"train",n.row,56)+'<span class="name">'+esc(n.cls)+'</span><span class="muted dist">'+n.dist.toFixed(3)+'</span></div>'}).join("");
  panel.innerHTML=h+'</div><div class="muted">The '+i.nn.length+' nearest training images by Euclidean distance in the embedding'+(i.split==="train"?", the sample itself left out":"")+'; red frames: another class.</div>';
  panel.hidden=false;
}
document.addEventListener("click",function(e){
  if(e.target.closest(".xpanel .close")){panel.hidden=true;return}
  var fig=e.target.closest("figure[data-split]");if(!fig||!e.target.closest("svg"))return;
  var q=nearest(fig,e);if(!q)return;
  load(function(d){if(d)pin(q)});
});
})();`;
